// Health events for embedders: node:diagnostics_channel channels (as undici does). The Server
// object emits the same events ('client:connect', 'client:close', 'client:stale',
// 'client:slow_consumer', 'client:stall').
import diagnostics_channel from 'node:diagnostics_channel';

export const healthChannels = {
  connect: diagnostics_channel.channel('tsnats:client:connect'),
  close: diagnostics_channel.channel('tsnats:client:close'),
  stale: diagnostics_channel.channel('tsnats:client:stale'),
  slowConsumer: diagnostics_channel.channel('tsnats:client:slow_consumer'),
  stall: diagnostics_channel.channel('tsnats:client:stall'),
};
