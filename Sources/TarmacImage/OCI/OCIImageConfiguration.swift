/// The OCI image configuration blob (`application/vnd.oci.image.config.v1+json`), with the
/// fields this store reads and writes. Unknown fields of imported configs are kept in the
/// stored blob as-is; this type is only used to read it and to write configs we create.
struct OCIImageConfiguration: Sendable, Codable {
    var created: String?
    var architecture: String
    var os: String
    var variant: String?
    var config: ContainerConfig?
    var rootfs: RootFS
    var history: [History]?

    struct ContainerConfig: Sendable, Codable {
        var entrypoint: [String]?
        var cmd: [String]?
        var env: [String]?
        var workingDir: String?
        var user: String?
        var labels: [String: String]?

        enum CodingKeys: String, CodingKey {
            case entrypoint = "Entrypoint", cmd = "Cmd", env = "Env", workingDir = "WorkingDir", user = "User", labels = "Labels"
        }

        init(_ config: ImageConfig) {
            entrypoint = config.entrypoint
            cmd = config.cmd
            env = config.env
            workingDir = config.workingDir
            user = config.user
            labels = config.labels
        }

        var imageConfig: ImageConfig {
            ImageConfig(
                entrypoint: entrypoint, cmd: cmd, env: env,
                workingDir: workingDir?.isEmpty == true ? nil : workingDir,
                user: user?.isEmpty == true ? nil : user,
                labels: labels
            )
        }
    }

    struct RootFS: Sendable, Codable {
        var type: String
        var diffIDs: [String]

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    struct History: Sendable, Codable {
        var created: String?
        var createdBy: String?
        var comment: String?
        var emptyLayer: Bool?

        enum CodingKeys: String, CodingKey {
            case created
            case createdBy = "created_by"
            case comment
            case emptyLayer = "empty_layer"
        }
    }
}
