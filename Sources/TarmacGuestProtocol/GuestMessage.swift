/// One message on the control channel. Requests carry an `id` the answer repeats, so the
/// host can have several in flight (an exec that runs for minutes does not block a signal).
public enum GuestMessage: Sendable, Hashable {
    // Both directions: the first frame each side sends.
    case hello(version: UInt16, mainPID: Int32)

    // Host → guest.
    case exec(id: UInt32, GuestExecRequest)
    /// Signal for the machine's main process.
    case signal(id: UInt32, signal: Int32)
    case listProcesses(id: UInt32)
    case status(id: UInt32)
    /// Kill every process, sync, unmount and power the VM off.
    case poweroff(id: UInt32)
    /// Starts an interactive session on a new pseudo-terminal (answered `ok` or `failure`,
    /// then `ttyOutput`s and one `ttyExit` under the same id).
    case ttyOpen(id: UInt32, GuestTTYRequest)
    /// Keystrokes for the session's terminal.
    case ttyInput(id: UInt32, [UInt8])
    case ttyResize(id: UInt32, rows: UInt16, columns: UInt16)
    /// Hangs the terminal up: the session gets SIGHUP, like a closed ssh connection.
    case ttyClose(id: UInt32)

    // Guest → host.
    case execResult(id: UInt32, GuestExecResult)
    case processes(id: UInt32, [GuestProcess])
    /// `running` with the main process's pid, or how it ended.
    case mainStatus(id: UInt32, running: Bool, pid: Int32, exit: GuestExit?)
    case ok(id: UInt32)
    case failure(id: UInt32, message: String)
    /// Unsolicited: the main process ended (init powers off right after).
    case exited(GuestExit)
    /// What the session's terminal printed.
    case ttyOutput(id: UInt32, [UInt8])
    /// The session's process ended (after its last output).
    case ttyExit(id: UInt32, exitCode: Int32, signal: Int32)

    private enum Tag: UInt8 {
        case hello = 1, exec, signal, listProcesses, status, poweroff
        case ttyOpen = 10, ttyInput, ttyResize, ttyClose
        case execResult = 20, processes, mainStatus, ok, failure, exited
        case ttyOutput = 30, ttyExit
    }

    /// The request id, for answers and requests (nil for hello/exited).
    public var id: UInt32? {
        switch self {
        case .hello, .exited: nil
        case .exec(let id, _), .signal(let id, _), .listProcesses(let id), .status(let id), .poweroff(let id),
             .execResult(let id, _), .processes(let id, _), .mainStatus(let id, _, _, _), .ok(let id), .failure(let id, _),
             .ttyOpen(let id, _), .ttyInput(let id, _), .ttyResize(let id, _, _), .ttyClose(let id), .ttyOutput(let id, _),
             .ttyExit(let id, _, _):
            id
        }
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter()
        switch self {
        case .hello(let version, let pid):
            writer.u8(Tag.hello.rawValue); writer.u16(version); writer.i64(Int64(pid))
        case .exec(let id, let request):
            writer.u8(Tag.exec.rawValue); writer.u32(id); request.encode(into: &writer)
        case .signal(let id, let signal):
            writer.u8(Tag.signal.rawValue); writer.u32(id); writer.i64(Int64(signal))
        case .listProcesses(let id):
            writer.u8(Tag.listProcesses.rawValue); writer.u32(id)
        case .status(let id):
            writer.u8(Tag.status.rawValue); writer.u32(id)
        case .poweroff(let id):
            writer.u8(Tag.poweroff.rawValue); writer.u32(id)
        case .execResult(let id, let result):
            writer.u8(Tag.execResult.rawValue); writer.u32(id); result.encode(into: &writer)
        case .processes(let id, let list):
            writer.u8(Tag.processes.rawValue); writer.u32(id); writer.u32(UInt32(list.count))
            for process in list { process.encode(into: &writer) }
        case .mainStatus(let id, let running, let pid, let exit):
            writer.u8(Tag.mainStatus.rawValue); writer.u32(id); writer.bool(running); writer.i64(Int64(pid))
            writer.bool(exit != nil)
            if let exit { exit.encode(into: &writer) }
        case .ok(let id):
            writer.u8(Tag.ok.rawValue); writer.u32(id)
        case .failure(let id, let message):
            writer.u8(Tag.failure.rawValue); writer.u32(id); writer.string(message)
        case .exited(let exit):
            writer.u8(Tag.exited.rawValue); exit.encode(into: &writer)
        case .ttyOpen(let id, let request):
            writer.u8(Tag.ttyOpen.rawValue); writer.u32(id); request.encode(into: &writer)
        case .ttyInput(let id, let bytes):
            writer.u8(Tag.ttyInput.rawValue); writer.u32(id); writer.data(bytes)
        case .ttyResize(let id, let rows, let columns):
            writer.u8(Tag.ttyResize.rawValue); writer.u32(id); writer.u16(rows); writer.u16(columns)
        case .ttyClose(let id):
            writer.u8(Tag.ttyClose.rawValue); writer.u32(id)
        case .ttyOutput(let id, let bytes):
            writer.u8(Tag.ttyOutput.rawValue); writer.u32(id); writer.data(bytes)
        case .ttyExit(let id, let exitCode, let signal):
            writer.u8(Tag.ttyExit.rawValue); writer.u32(id); writer.i64(Int64(exitCode)); writer.i64(Int64(signal))
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(GuestProtocolError) {
        var reader = WireReader(bytes)
        let raw = try reader.u8()
        guard let tag = Tag(rawValue: raw) else { throw GuestProtocolError("unknown message type \(raw)") }
        switch tag {
        case .hello: self = .hello(version: try reader.u16(), mainPID: Int32(truncatingIfNeeded: try reader.i64()))
        case .exec: self = .exec(id: try reader.u32(), try GuestExecRequest(from: &reader))
        case .signal: self = .signal(id: try reader.u32(), signal: Int32(truncatingIfNeeded: try reader.i64()))
        case .listProcesses: self = .listProcesses(id: try reader.u32())
        case .status: self = .status(id: try reader.u32())
        case .poweroff: self = .poweroff(id: try reader.u32())
        case .execResult: self = .execResult(id: try reader.u32(), try GuestExecResult(from: &reader))
        case .processes:
            let id = try reader.u32()
            let count = Int(try reader.u32())
            var list: [GuestProcess] = []
            for _ in 0..<min(count, 100_000) { list.append(try GuestProcess(from: &reader)) }
            self = .processes(id: id, list)
        case .mainStatus:
            let id = try reader.u32()
            let running = try reader.bool()
            let pid = Int32(truncatingIfNeeded: try reader.i64())
            let exit = try reader.bool() ? try GuestExit(from: &reader) : nil
            self = .mainStatus(id: id, running: running, pid: pid, exit: exit)
        case .ok: self = .ok(id: try reader.u32())
        case .failure: self = .failure(id: try reader.u32(), message: try reader.string())
        case .exited: self = .exited(try GuestExit(from: &reader))
        case .ttyOpen: self = .ttyOpen(id: try reader.u32(), try GuestTTYRequest(from: &reader))
        case .ttyInput: self = .ttyInput(id: try reader.u32(), try reader.data())
        case .ttyResize: self = .ttyResize(id: try reader.u32(), rows: try reader.u16(), columns: try reader.u16())
        case .ttyClose: self = .ttyClose(id: try reader.u32())
        case .ttyOutput: self = .ttyOutput(id: try reader.u32(), try reader.data())
        case .ttyExit:
            self = .ttyExit(id: try reader.u32(), exitCode: Int32(truncatingIfNeeded: try reader.i64()), signal: Int32(truncatingIfNeeded: try reader.i64()))
        }
    }
}

public struct GuestExecRequest: Sendable, Hashable {
    public var args: [String]
    /// Extra `KEY=value` entries on top of the machine's environment.
    public var env: [String]
    public var workingDirectory: String?
    public var user: String?
    public var stdin: [UInt8]
    public var timeoutMilliseconds: Int64

    public init(args: [String], env: [String] = [], workingDirectory: String? = nil, user: String? = nil, stdin: [UInt8] = [], timeoutMilliseconds: Int64 = 30_000) {
        self.args = args
        self.env = env
        self.workingDirectory = workingDirectory
        self.user = user
        self.stdin = stdin
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    func encode(into writer: inout WireWriter) {
        writer.strings(args)
        writer.strings(env)
        writer.optionalString(workingDirectory)
        writer.optionalString(user)
        writer.data(stdin)
        writer.i64(timeoutMilliseconds)
    }

    init(from reader: inout WireReader) throws(GuestProtocolError) {
        args = try reader.strings()
        env = try reader.strings()
        workingDirectory = try reader.optionalString()
        user = try reader.optionalString()
        stdin = try reader.data()
        timeoutMilliseconds = try reader.i64()
    }
}

public struct GuestExecResult: Sendable, Hashable {
    public var exitCode: Int32
    public var signal: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var timedOut: Bool

    public init(exitCode: Int32, signal: Int32, stdout: [UInt8], stderr: [UInt8], timedOut: Bool) {
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    func encode(into writer: inout WireWriter) {
        writer.i64(Int64(exitCode)); writer.i64(Int64(signal))
        writer.data(stdout); writer.data(stderr); writer.bool(timedOut)
    }

    init(from reader: inout WireReader) throws(GuestProtocolError) {
        exitCode = Int32(truncatingIfNeeded: try reader.i64())
        signal = Int32(truncatingIfNeeded: try reader.i64())
        stdout = try reader.data()
        stderr = try reader.data()
        timedOut = try reader.bool()
    }
}

/// One row of the guest's process list (`GET …/ps`).
public struct GuestProcess: Sendable, Hashable {
    public var pid: Int32
    public var command: String
    public var directory: String
    public var rssBytes: Int64
    /// Start time in clock ticks since boot (`/proc/PID/stat` field 22).
    public var startTicks: Int64
    /// CPU time used, user + system, in clock ticks.
    public var cpuTicks: Int64

    public init(pid: Int32, command: String, directory: String, rssBytes: Int64, startTicks: Int64, cpuTicks: Int64) {
        self.pid = pid
        self.command = command
        self.directory = directory
        self.rssBytes = rssBytes
        self.startTicks = startTicks
        self.cpuTicks = cpuTicks
    }

    func encode(into writer: inout WireWriter) {
        writer.i64(Int64(pid)); writer.string(command); writer.string(directory)
        writer.i64(rssBytes); writer.i64(startTicks); writer.i64(cpuTicks)
    }

    init(from reader: inout WireReader) throws(GuestProtocolError) {
        pid = Int32(truncatingIfNeeded: try reader.i64())
        command = try reader.string()
        directory = try reader.string()
        rssBytes = try reader.i64()
        startTicks = try reader.i64()
        cpuTicks = try reader.i64()
    }
}

/// Splits a byte stream into frames (4-byte big-endian length + payload).
public struct FrameDecoder: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete payload, or nil until more bytes arrive.
    public mutating func next() throws(GuestProtocolError) -> [UInt8]? {
        guard buffer.count >= 4 else { return nil }
        let length = buffer[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length <= GuestProtocol.maxFrame else { throw GuestProtocolError("frame of \(length) bytes exceeds the limit") }
        guard buffer.count >= 4 + length else { return nil }
        let payload = Array(buffer[4..<4 + length])
        buffer.removeFirst(4 + length)
        return payload
    }
}

extension GuestMessage {
    /// The message framed for the wire.
    public func framed() -> [UInt8] {
        var writer = WireWriter()
        writer.data(encoded())
        return writer.bytes
    }
}
