// Interop driver for nats.go (built in GOPATH mode against Debian's golang-github-nats-io-go-nats-dev).
// Usage: driver SCENARIO URL[,URL...] [key=value ...]; prints one JSON object per line (see ../README.md).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

var outMu sync.Mutex

// emit writes one event line; callbacks run on several goroutines, so lines are serialised.
func emit(ev string, kv map[string]interface{}) {
	if kv == nil {
		kv = map[string]interface{}{}
	}
	kv["ev"] = ev
	b, _ := json.Marshal(kv)
	outMu.Lock()
	os.Stdout.Write(append(b, '\n'))
	outMu.Unlock()
}

// kind classifies an error with the client's own sentinels, so the harness can assert on meaning, not text.
func kind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, nats.ErrAuthorization):
		return "auth"
	case errors.Is(err, nats.ErrNoResponders):
		return "no_responders"
	case errors.Is(err, nats.ErrStaleConnection):
		return "stale"
	case errors.Is(err, nats.ErrTimeout):
		return "timeout"
	}
	return "other"
}

func errText(err error) interface{} {
	if err == nil {
		return nil
	}
	return err.Error()
}

// counters lets the main goroutine wait for message callbacks without sleeping.
type counters struct {
	mu   sync.Mutex
	n    map[string]int
	wake chan struct{}
}

func newCounters() *counters { return &counters{n: map[string]int{}, wake: make(chan struct{}, 1)} }

func (c *counters) inc(k string) {
	c.mu.Lock()
	c.n[k]++
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *counters) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

func (c *counters) waitFor(k string, n int, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for c.get(k) < n {
		select {
		case <-c.wake:
		case <-deadline.C:
			return c.get(k) >= n
		}
	}
	return true
}

func msInt(o map[string]string, k string, def int) int {
	if v, ok := o[k]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func hdrMap(m *nats.Msg) map[string][]string {
	if m.Header == nil {
		return nil
	}
	h := map[string][]string{}
	for k, v := range m.Header {
		h[k] = v
	}
	return h
}

var closedCh = make(chan struct{})

func connect(urls string, o map[string]string) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(o["name"]),
		nats.DontRandomize(),
		nats.Timeout(time.Duration(msInt(o, "timeout_ms", 2000)) * time.Millisecond),
		nats.ReconnectWait(time.Duration(msInt(o, "reconnect_wait_ms", 100)) * time.Millisecond),
		nats.MaxReconnects(msInt(o, "max_reconnect", 10)),
		nats.PingInterval(time.Duration(msInt(o, "ping_ms", 120000)) * time.Millisecond),
		nats.MaxPingsOutstanding(msInt(o, "max_pings", 2)),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			emit("disconnected", map[string]interface{}{"err": errText(err), "kind": kind(err)})
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			emit("reconnected", map[string]interface{}{"url": nc.ConnectedUrl()})
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			err := nc.LastError()
			emit("closed", map[string]interface{}{"err": errText(err), "kind": kind(err)})
			close(closedCh)
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			emit("error", map[string]interface{}{"err": errText(err), "kind": kind(err)})
		}),
	}
	if u, ok := o["user"]; ok {
		opts = append(opts, nats.UserInfo(u, o["pass"]))
	}
	if t, ok := o["token"]; ok {
		opts = append(opts, nats.Token(t))
	}
	if ca, ok := o["tls_ca"]; ok {
		opts = append(opts, nats.RootCAs(ca))
		if cert, ok := o["tls_cert"]; ok {
			opts = append(opts, nats.ClientCert(cert, o["tls_key"]))
		}
	}
	return nats.Connect(urls, opts...)
}

// session: connect, subscribe interop.rc, then obey stdin commands (flush | close) until EOF.
func session(nc *nats.Conn) {
	_, err := nc.Subscribe("interop.rc", func(m *nats.Msg) {
		emit("msg", map[string]interface{}{"sub": "rc", "subject": m.Subject, "data": string(m.Data)})
	})
	if err != nil {
		emit("fatal", map[string]interface{}{"err": err.Error()})
		os.Exit(1)
	}
	if err := nc.FlushTimeout(2 * time.Second); err != nil {
		emit("fatal", map[string]interface{}{"err": err.Error()})
		os.Exit(1)
	}
	emit("ready", nil)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "flush":
			err := nc.FlushTimeout(2 * time.Second)
			emit("flushed", map[string]interface{}{"ok": err == nil, "err": errText(err), "url": nc.ConnectedUrl()})
		case "close":
			nc.Close()
			return
		}
	}
	nc.Close()
}

func pubsub(nc *nats.Conn) {
	c := newCounters()
	record := func(name, counter string) nats.MsgHandler {
		return func(m *nats.Msg) {
			emit("msg", map[string]interface{}{"sub": name, "subject": m.Subject, "data": string(m.Data), "hdr": hdrMap(m)})
			if counter == "END" && string(m.Data) != "END" {
				return
			}
			c.inc(counter)
		}
	}
	must := func(_ *nats.Subscription, err error) {
		if err != nil {
			emit("fatal", map[string]interface{}{"err": err.Error()})
			os.Exit(1)
		}
	}
	must(nc.Subscribe("wild.a.b", record("lit", "END")))
	must(nc.Subscribe("wild.a.*", record("star", "END")))
	must(nc.Subscribe("wild.>", record("gt", "END")))
	must(nc.Subscribe("wild.a.>", record("agt", "END")))
	must(nc.QueueSubscribe("q.work", "g1", record("g1a", "q")))
	must(nc.QueueSubscribe("q.work", "g1", record("g1b", "q")))
	must(nc.QueueSubscribe("q.work", "g2", record("g2a", "q")))
	must(nc.QueueSubscribe("q.work", "g2", record("g2b", "q")))
	must(nc.Subscribe("q.work", record("qplain", "q")))
	must(nc.Subscribe("hdr.test", record("hdr", "hdr")))
	must(nc.Subscribe("svc.echo", func(m *nats.Msg) { m.Respond([]byte("re:" + string(m.Data))) }))
	nc.Flush()

	for _, p := range [][2]string{{"wild.a.b", "1"}, {"wild.a.c", "2"}, {"wild.a.b.c", "3"}, {"wild.x", "4"}, {"other.a.b", "5"}, {"wild.a.b", "END"}} {
		nc.Publish(p[0], []byte(p[1]))
	}
	emit("result", map[string]interface{}{"name": "wild_wait", "ok": c.waitFor("END", 4, 5*time.Second)})

	for i := 0; i < 20; i++ {
		nc.Publish("q.work", []byte(fmt.Sprintf("q%d", i)))
	}
	ok := c.waitFor("q", 60, 5*time.Second)
	// A duplicate delivery has no event to wait for: give one more round trip and a short settle.
	nc.Flush()
	time.Sleep(100 * time.Millisecond)
	emit("result", map[string]interface{}{"name": "queue_wait", "ok": ok})

	hm := nats.NewMsg("hdr.test")
	hm.Header.Set("X-Interop", "one")
	hm.Header.Add("X-Two", "a")
	hm.Header.Add("X-Two", "b")
	hm.Data = []byte("with headers")
	if err := nc.PublishMsg(hm); err != nil {
		emit("result", map[string]interface{}{"name": "hdr_publish", "err": err.Error()})
	}
	emit("result", map[string]interface{}{"name": "hdr_wait", "ok": c.waitFor("hdr", 1, 5*time.Second)})

	rep, err := nc.Request("svc.echo", []byte("ping"), 2*time.Second)
	res := map[string]interface{}{"name": "request", "err": errText(err), "kind": kind(err)}
	if rep != nil {
		res["data"] = string(rep.Data)
	}
	emit("result", res)

	_, err = nc.Request("nobody.here", []byte("x"), 2*time.Second)
	emit("result", map[string]interface{}{"name": "noresponders", "err": errText(err), "kind": kind(err)})

	err = nc.FlushTimeout(2 * time.Second)
	emit("result", map[string]interface{}{"name": "flush", "ok": err == nil, "err": errText(err)})
	nc.Close()
}

// drain: a slow subscriber; SIGTERM → Drain() → every message already delivered is handled → exit 0.
func drain(nc *nats.Conn, o map[string]string, sigs chan os.Signal) {
	handled := 0
	var mu sync.Mutex
	delay := time.Duration(msInt(o, "handler_ms", 20)) * time.Millisecond
	_, err := nc.Subscribe("interop.drain", func(m *nats.Msg) {
		time.Sleep(delay)
		mu.Lock()
		handled++
		mu.Unlock()
		emit("msg", map[string]interface{}{"sub": "drain", "subject": m.Subject, "data": string(m.Data)})
	})
	if err != nil {
		emit("fatal", map[string]interface{}{"err": err.Error()})
		os.Exit(1)
	}
	nc.Flush()
	emit("ready", nil)
	// The harness keeps stdin open; EOF means it is gone, so do not linger as an orphan.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	<-sigs
	mu.Lock()
	emit("sigterm", map[string]interface{}{"handled": handled})
	mu.Unlock()
	derr := nc.Drain()
	select {
	case <-closedCh:
	case <-time.After(10 * time.Second):
		derr = errors.New("drain did not close the connection within 10s")
	}
	mu.Lock()
	emit("drained", map[string]interface{}{"handled": handled, "err": errText(derr)})
	mu.Unlock()
}

// jetstream: publish with acks (and a duplicate by message id), a durable pull consumer fetched and
// acked, a durable push consumer consumed and acked, a key-value bucket put/get/watch.
func jetstream(nc *nats.Conn) {
	result := func(name string, kv map[string]interface{}, err error) {
		kv["name"] = name
		kv["err"] = errText(err)
		kv["kind"] = kind(err)
		emit("result", kv)
	}
	js, err := nc.JetStream(nats.MaxWait(3 * time.Second))
	if err != nil {
		emit("fatal", map[string]interface{}{"err": err.Error()})
		os.Exit(1)
	}
	if _, err := js.AddStream(&nats.StreamConfig{Name: "JSI", Subjects: []string{"jsi.>"}}); err != nil {
		emit("fatal", map[string]interface{}{"err": "add stream: " + err.Error()})
		os.Exit(1)
	}
	emit("ready", nil)
	seqs := []uint64{}
	var perr error
	for i := 1; i <= 5; i++ {
		pa, err := js.Publish("jsi.a", []byte(fmt.Sprintf("m%d", i)))
		if err != nil {
			perr = err
			break
		}
		seqs = append(seqs, pa.Sequence)
	}
	result("js_publish", map[string]interface{}{"seqs": seqs}, perr)
	dseqs := []uint64{}
	dup := false
	var derr error
	for i := 0; i < 2; i++ {
		pa, err := js.Publish("jsi.a", []byte("d"), nats.MsgId("dup-1"))
		if err != nil {
			derr = err
			break
		}
		dseqs = append(dseqs, pa.Sequence)
		dup = pa.Duplicate
	}
	result("js_dedupe", map[string]interface{}{"seqs": dseqs, "duplicate": dup}, derr)

	fetch := func(sub *nats.Subscription, n int) ([]string, error) {
		out := []string{}
		msgs, err := sub.Fetch(n, nats.MaxWait(2*time.Second))
		for _, m := range msgs {
			out = append(out, string(m.Data))
			if aerr := m.AckSync(); aerr != nil && err == nil {
				err = aerr
			}
		}
		return out, err
	}
	psub, err := js.PullSubscribe("jsi.a", "PULL")
	if err != nil {
		result("pull_fetch", map[string]interface{}{"data": []string{}}, err)
	} else {
		d1, err := fetch(psub, 3)
		result("pull_fetch", map[string]interface{}{"data": d1}, err)
		d2, err := fetch(psub, 3)
		result("pull_fetch2", map[string]interface{}{"data": d2}, err)
	}

	ssub, err := js.SubscribeSync("jsi.a", nats.Durable("PUSH"), nats.ManualAck())
	got := []string{}
	if err == nil {
		for len(got) < 6 {
			m, merr := ssub.NextMsg(3 * time.Second)
			if merr != nil {
				err = merr
				break
			}
			got = append(got, string(m.Data))
			if aerr := m.AckSync(); aerr != nil {
				err = aerr
				break
			}
		}
		// No Unsubscribe: nats.go would delete the consumer it created (the harness reads it after).
	}
	result("push_consume", map[string]interface{}{"data": got}, err)

	kv, err := js.CreateKeyValue(&nats.KeyValueConfig{Bucket: "IKV", History: 5})
	if err != nil {
		result("kv", map[string]interface{}{}, err)
		return
	}
	kres := map[string]interface{}{}
	_, err = kv.PutString("a", "1")
	if err == nil {
		_, err = kv.PutString("a", "2")
	}
	if err == nil {
		_, err = kv.PutString("b", "x")
	}
	if err == nil {
		var e nats.KeyValueEntry
		e, err = kv.Get("a")
		if err == nil {
			kres["get"] = string(e.Value())
			kres["revision"] = e.Revision()
		}
	}
	if err == nil {
		var w nats.KeyWatcher
		w, err = kv.WatchAll()
		seen := []string{}
		if err == nil {
			timeout := time.After(3 * time.Second)
		loop:
			for {
				select {
				case e := <-w.Updates():
					if e == nil {
						break loop
					}
					seen = append(seen, e.Key()+"="+string(e.Value()))
				case <-timeout:
					err = errors.New("watch timed out")
					break loop
				}
			}
			w.Stop()
		}
		kres["watch"] = seen
	}
	if err == nil {
		err = kv.Delete("b")
		if err == nil {
			_, gerr := kv.Get("b")
			kres["deleted"] = errors.Is(gerr, nats.ErrKeyNotFound)
		}
	}
	result("kv", kres, err)
	nc.Close()
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: driver SCENARIO URL[,URL] [key=value ...]")
		os.Exit(2)
	}
	scenario, urls := os.Args[1], os.Args[2]
	o := map[string]string{"name": "interop-go"}
	for _, kv := range os.Args[3:] {
		if i := strings.IndexByte(kv, '='); i > 0 {
			o[kv[:i]] = kv[i+1:]
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	emit("client", map[string]interface{}{"lib": "nats.go", "version": nats.Version})
	nc, err := connect(urls, o)
	if err != nil {
		emit("connect_failed", map[string]interface{}{"err": err.Error(), "kind": kind(err)})
		emit("done", nil)
		return
	}
	emit("connected", map[string]interface{}{"url": nc.ConnectedUrl()})
	switch scenario {
	case "pubsub":
		pubsub(nc)
	case "drain":
		drain(nc, o, sigs)
	case "jetstream":
		jetstream(nc)
	case "connect", "reconnect", "ping", "auth-user", "auth-token", "tls", "tls-fail":
		session(nc)
	default:
		emit("fatal", map[string]interface{}{"err": "unknown scenario " + scenario})
		os.Exit(2)
	}
	emit("done", nil)
}
