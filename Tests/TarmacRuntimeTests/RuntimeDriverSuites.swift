import Testing

/// Parent of every suite that runs real machines (runc containers, QEMU microVMs), so they
/// run one after another: microVMs under TCG load the host's CPUs enough to upset the
/// container suite's latency measurement, and they share test bridges.
@Suite(.serialized) enum RuntimeDriverSuites {}
