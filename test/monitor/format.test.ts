// Go value formats of the monitoring JSON and the reference's query-parameter errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, rttString, rttNanos, uptime, goTime, goJSON } from '../../src/monitor/format.js';
import { Query, MonitorError, ConnState } from '../../src/monitor/params.js';
import { subjectsCollide } from '../../src/monitor/connz.js';
import { decodeRequest } from '../../src/system/reqopts.js';
import { goSyntaxError } from '../../src/protocol/gojson.js';

test('goDuration is Go time.Duration.String()', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(999), '999ns');
  assert.equal(goDuration(332_000), '332µs');
  assert.equal(goDuration(332_500), '332.5µs');
  assert.equal(goDuration(3_638_480), '3.63848ms');
  assert.equal(goDuration(1_500_000_000), '1.5s');
  assert.equal(goDuration(120_000_000_000), '2m0s');
  assert.equal(goDuration(3_600_000_000_000), '1h0m0s');
  assert.equal(goDuration(3_723_000_000_001), '1h2m3.000000001s');
  assert.equal(goDuration(-1_000_000), '-1ms');
});

test('rtt: truncated to whole µs between 1µs and 1ms, full precision otherwise (getRTT)', () => {
  assert.equal(rttString(0.3325), '332µs');
  assert.equal(rttNanos(0.3329), 332_000);
  assert.equal(rttString(1.818615), '1.818615ms');
  assert.equal(rttString(0), '0s');
  assert.equal(rttString(0.0005), '500ns');
});

test('uptime and idle use [Ny][Nd][Nh][Nm]Ns', () => {
  assert.equal(uptime(0), '0s');
  assert.equal(uptime(999), '0s');
  assert.equal(uptime(62_000), '1m2s');
  assert.equal(uptime(3_600_000), '1h0m0s');
  assert.equal(uptime((2 * 86400 + 3 * 3600 + 32 * 60 + 48) * 1000), '2d3h32m48s');
  assert.equal(uptime(366 * 86400 * 1000), '1y1d0h0m0s');
});

test('timestamps are RFC 3339 UTC with trailing zeros trimmed', () => {
  assert.equal(goTime(Date.UTC(2026, 10, 21, 5, 17, 14, 842)), '2026-11-21T05:17:14.842Z');
  assert.equal(goTime(Date.UTC(2026, 10, 21, 5, 17, 14, 0)), '2026-11-21T05:17:14Z');
  assert.equal(goTime(Date.UTC(2026, 10, 21, 5, 17, 14, 842) + 0.5), '2026-11-21T05:17:14.8425Z');
});

test('JSON escapes <, > and & as Go does', () => {
  assert.equal(goJSON({ s: '$SYS.>' }), '{"s":"$SYS.\\u003e"}');
  assert.equal(goJSON({ a: 1, b: undefined }), '{"a":1}');
  assert.equal(goJSON({ a: [] }, 2), '{\n  "a": []\n}');
});

test('query parameters fail with the reference texts', () => {
  const q = (s: string) => new Query(new URLSearchParams(s));
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof MonitorError);
      return (e as MonitorError).message;
    }
    assert.fail('no error');
  };
  assert.equal(err(() => q('limit=x').int('limit')), `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`);
  assert.equal(err(() => q('limit=99999999999999999999').int('limit')), `Error decoding int for 'limit': strconv.Atoi: parsing "99999999999999999999": value out of range`);
  assert.equal(err(() => q('cid=-1').uint64('cid')), `Error decoding uint64 for 'cid': strconv.ParseUint: parsing "-1": invalid syntax`);
  assert.equal(err(() => q('auth=yes').bool('auth')), `Error decoding boolean for 'auth': strconv.ParseBool: parsing "yes": invalid syntax`);
  assert.equal(err(() => q('state=bogus').state()), 'Error decoding state for bogus');
  assert.equal(q('auth=T').bool('auth'), true);
  assert.equal(q('auth=0').bool('auth'), false);
  assert.equal(q('limit=-5').int('limit'), -5);
  assert.equal(q('state=ANY').state(), ConnState.All);
  assert.deepEqual(q('subs=DETAIL').subs(), [false, true]);
  assert.deepEqual(q('subs=1').subs(), [true, false]);
});

test('subjects collide when some message could match both', () => {
  assert.equal(subjectsCollide('foo.*', 'foo.bar'), true);
  assert.equal(subjectsCollide('foo.>', 'foo.bar.baz'), true);
  assert.equal(subjectsCollide('foo.bar', 'foo.baz'), false);
  assert.equal(subjectsCollide('foo', 'foo.bar'), false);
  assert.equal(subjectsCollide('*.bar', 'foo.*'), true);
});

test('$SYS request bodies decode with Go encoding/json errors', () => {
  const d = (k: Parameters<typeof decodeRequest>[0], s: string) => decodeRequest(k, Buffer.from(s));
  assert.deepEqual(d('ConnzEventOptions', '{"state":"open"}'), { error: 'json: cannot unmarshal string into Go struct field ConnzEventOptions.state of type server.ConnState' });
  assert.deepEqual(d('ConnzEventOptions', '{"auth":1}'), { error: 'json: cannot unmarshal number into Go struct field ConnzEventOptions.auth of type bool' });
  assert.deepEqual(d('ConnzEventOptions', '[1]'), { error: 'json: cannot unmarshal array into Go value of type server.ConnzEventOptions' });
  const ok = d('ConnzEventOptions', '{"STATE":2,"cid":7,"server_name":"x","other":true}');
  assert.ok('opts' in ok);
  assert.deepEqual(ok.opts, { state: 2, cid: 7 });
  assert.deepEqual(ok.filter, { server_name: 'x' });
  assert.equal(goSyntaxError('notjson'), "invalid character 'o' in literal null (expecting 'u')");
  assert.equal(goSyntaxError('xyz'), "invalid character 'x' looking for beginning of value");
  assert.equal(goSyntaxError(''), 'unexpected end of JSON input');
});
