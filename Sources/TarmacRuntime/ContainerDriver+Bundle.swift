import Foundation
import TarmacModel
import TarmacNet
import TarmacSystem

extension ContainerDriver {
    /// Mounts the rootfs (fresh upper/work), resolves the user, writes the /etc files and
    /// config.json. The caller tears everything down when this throws.
    func prepareBundle(_ spec: RuntimeSpec, layout: ContainerLayout, layers: [String], joinNetwork: Bool) throws(RuntimeError) {
        for directory in [layout.rootfs, layout.etcDirectory, layout.upper, layout.work] {
            try createDirectory(directory)
        }
        try OverlayMount.mount(source: layout.overlaySource, layers: layers, upper: layout.upper, work: layout.work, target: layout.rootfs)

        if let program = spec.process.args.first,
           !ExecutableLookup.exists(program, environment: spec.process.env, rootfs: layout.rootfs) {
            throw RuntimeError(.startFailed, "executable \"\(program)\" not found in the image (looked in $PATH of the machine); check config.init and the image's entrypoint/cmd")
        }

        let user: ImageUser
        if spec.process.user.isEmpty {
            user = .root
        } else {
            user = try ImageUser.resolve(spec.process.user, passwd: Self.imageFile(layout.rootfs, "etc/passwd"),
                                         group: Self.imageFile(layout.rootfs, "etc/group"))
        }

        let hostname = spec.hostname.isEmpty ? spec.machineID : spec.hostname
        let nameservers = spec.network.nameservers.isEmpty ? configuration.fallbackNameservers : spec.network.nameservers
        try write(Self.resolvConf(nameservers: nameservers), to: layout.resolvConf)
        try write(Self.hostsFile(hostname: hostname, address: spec.network.address), to: layout.hosts)
        try write(hostname + "\n", to: layout.hostname)

        let document = OCISpecBuilder.build(OCISpecBuilder.Input(
            process: spec.process, user: user, hostname: hostname, rootfsPath: "rootfs",
            networkNamespacePath: joinNetwork ? layout.network.namespacePath : nil, cgroupsPath: layout.cgroupsPath,
            cpus: spec.cpus, memoryMB: spec.memoryMB, swapAccounting: swapAccounting, resolvConfPath: layout.resolvConf,
            hostsPath: layout.hosts, hostnamePath: layout.hostname, openFilesLimit: openFilesLimit,
            initPath: configuration.initProgram
        ))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            try ScratchFile.write(try encoder.encode(document), to: layout.configFile)
        } catch {
            throw RuntimeError(.resources, "cannot write \(layout.configFile): \(error.localizedDescription)")
        }
    }

    /// `/etc/resolv.conf` content.
    static func resolvConf(nameservers: [String]) -> String {
        nameservers.map { "nameserver \($0)\n" }.joined()
    }

    /// `/etc/hosts` content: loopback names and the machine's hostname on its private address.
    static func hostsFile(hostname: String, address: String) -> String {
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        text += address.isEmpty ? "127.0.1.1\t\(hostname)\n" : "\(address)\t\(hostname)\n"
        return text
    }

    /// Reads a small file of the image through the mounted rootfs. Symlinks are not followed
    /// (an absolute link would resolve on the host), so such files count as missing.
    static func imageFile(_ rootfs: String, _ relativePath: String) -> String? {
        let path = "\(rootfs)/\(relativePath)"
        guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType,
              type == .typeRegular else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    private func write(_ text: String, to path: String) throws(RuntimeError) {
        do {
            try ScratchFile.write(text, to: path)
        } catch {
            throw RuntimeError(.resources, error.description)
        }
    }
}
