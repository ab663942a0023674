import Foundation

extension MicroVMDriver {
    /// How machines get their accelerator.
    public enum AcceleratorChoice: String, Sendable, Hashable, CaseIterable {
        /// KVM when the probe boots a guest with it in time, else TCG (the default).
        case auto
        /// Always KVM (fails to boot where nested KVM hangs: use only where it works).
        case kvm
        /// Always TCG (software emulation; slower, works everywhere).
        case tcg
    }

    public struct Configuration: Sendable {
        /// Returns the unpacked layer directories of an image digest, lowest layer first.
        public var layers: @Sendable (_ imageDigest: String) async throws -> [String]
        /// Where the per-image base root disks (`<digest>.ext4`) and the KVM probe verdict
        /// are kept, e.g. `<dataDir>/microvm`.
        public var cacheDirectory: String
        /// Kernel and base initramfs from `scripts/build-guest.sh`. Default `/var/lib/tarmac/guest`.
        public var guestDirectory: String
        /// The QEMU system emulator. Default `qemu-system-x86_64`.
        public var qemu: String
        /// qemu-img, for the per-start qcow2 overlays. Default `qemu-img`.
        public var qemuImg: String
        /// Prefix of every host-global name: TAP `<prefix>v<hash>` with alias
        /// `<prefix>/<id>`, QEMU `-name <prefix>/<id>`. Default `tarmac`. Give test runs
        /// their own prefix so orphan removal never touches the other's machines.
        public var resourcePrefix: String
        /// `auto` (probe KVM, fall back to TCG), `kvm` or `tcg`. Default `auto`.
        public var accelerator: AcceleratorChoice
        /// How long the KVM probe may take before KVM is declared unusable. Default 4 s.
        public var probeTimeout: Duration
        /// How long `start()` waits for the guest init to report that the main process
        /// runs. Default 60 s (TCG boots take 1.5–2.5 s on an idle host, much longer on a
        /// loaded one).
        public var startTimeout: Duration
        /// How often `wait()` checks QEMU where the kernel has no pidfds (Linux < 5.3);
        /// elsewhere QEMU's end wakes it (`ProcessExitMonitor`). Default 25 ms.
        public var pollInterval: Duration
        /// After SIGKILL was passed to the guest init: how long QEMU may take to power off
        /// before it is killed itself. Default 3 s.
        public var killGrace: Duration
        /// Guest memory never goes below this (the kernel and initramfs need room). Default 128 MB.
        public var minimumMemoryMB: Int
        /// Nameservers handed to the guest when the spec lists none.
        public var fallbackNameservers: [String]
        /// Extra kernel command line arguments (e.g. `tarmac.debug`).
        public var extraKernelArguments: [String]

        public init(
            layers: @escaping @Sendable (_ imageDigest: String) async throws -> [String],
            cacheDirectory: String,
            guestDirectory: String = "/var/lib/tarmac/guest",
            qemu: String = "qemu-system-x86_64",
            qemuImg: String = "qemu-img",
            resourcePrefix: String = "tarmac",
            accelerator: AcceleratorChoice = .auto,
            probeTimeout: Duration = .seconds(4),
            startTimeout: Duration = .seconds(60),
            pollInterval: Duration = .milliseconds(25),
            killGrace: Duration = .seconds(3),
            minimumMemoryMB: Int = 128,
            fallbackNameservers: [String] = ["1.1.1.1", "8.8.8.8"],
            extraKernelArguments: [String] = []
        ) {
            self.layers = layers
            self.cacheDirectory = cacheDirectory
            self.guestDirectory = guestDirectory
            self.qemu = qemu
            self.qemuImg = qemuImg
            self.resourcePrefix = resourcePrefix
            self.accelerator = accelerator
            self.probeTimeout = probeTimeout
            self.startTimeout = startTimeout
            self.pollInterval = pollInterval
            self.killGrace = killGrace
            self.minimumMemoryMB = minimumMemoryMB
            self.fallbackNameservers = fallbackNameservers
            self.extraKernelArguments = extraKernelArguments
        }

        public var guest: GuestArtifacts { GuestArtifacts(directory: guestDirectory) }
    }
}
