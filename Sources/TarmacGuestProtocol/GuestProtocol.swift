/// Constants shared by the host agent and `tarmac-init`, the PID 1 of every microVM.
///
/// The host↔guest channel is a virtio-serial port (no vsock on these hosts). Every message
/// is one frame: a 4-byte big-endian payload length, then the payload written by
/// `WireWriter`. The first frame each way is a `hello` carrying `GuestProtocol.version`,
/// sent behind `syncMarker`; a peer refuses a version it does not know. The host speaks
/// first; the guest answers every marked `hello` with its own (see `GuestStreamDecoder`).
public enum GuestProtocol {
    /// Bumped on every incompatible change to a message layout.
    public static let version: UInt16 = 1
    /// Largest frame either side accepts (exec output is capped below this).
    public static let maxFrame = 16 << 20

    /// virtio-serial port names (`/sys/class/virtio-ports/vportNpM/name` in the guest).
    public static let controlPort = "tarmac.control"
    /// Write-only port backed by a host file: the durable exit report, readable after QEMU
    /// is gone even if no agent was connected when the machine ended.
    public static let exitPort = "tarmac.exit"

    /// Path of the encoded `GuestConfig` inside the per-machine initramfs archive.
    public static let configPath = "/tarmac/config"
    /// Precedes every `hello` (both ways) so a peer can find the start of a session in a
    /// stream holding a dead session's leftovers; see `GuestStreamDecoder`. Its first byte
    /// makes it an impossible frame length.
    public static let syncMarker: [UInt8] = [0xFF, 0x54, 0x52, 0x4D, 0x43, 0x53, 0x59, 0x4E]  // "\xFFTRMCSYN"

    /// Kernel command line flag that makes the guest's init trace its boot steps on the console.
    public static let debugFlag = "tarmac.debug"
}
