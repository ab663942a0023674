import TarmacGuestProtocol

extension MicroVMDriver {
    /// An interactive session through the guest's init (`ttyOpen`): init opens a terminal in
    /// the guest and runs the command on it; its output and exit come back on the control
    /// channel, keystrokes and resizes go out on it.
    public func console(_ handle: RuntimeHandle, _ request: ConsoleRequest) async throws -> ConsoleSession {
        guard !request.command.isEmpty else { throw RuntimeError(.startFailed, "a console needs a command") }
        let layout = try layout(for: handle)
        guard process(of: handle).isRunning else { throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running") }
        let channel = try await channel(handle, layout)
        let (id, events) = try await channel.openConsole(GuestTTYRequest(
            args: request.command, env: request.environment, workingDirectory: request.workingDirectory, user: request.user,
            rows: request.rows, columns: request.columns))
        return ConsoleSession(
            events: events,
            write: { bytes in
                // Frames stay well under the guest's limit.
                var rest = bytes[...]
                while !rest.isEmpty {
                    channel.post(.ttyInput(id: id, Array(rest.prefix(32 << 10))))
                    rest = rest.dropFirst(32 << 10)
                }
            },
            resize: { rows, columns in channel.post(.ttyResize(id: id, rows: rows, columns: columns)) },
            close: { channel.post(.ttyClose(id: id)) })
    }
}
