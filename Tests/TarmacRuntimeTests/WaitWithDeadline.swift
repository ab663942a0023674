import TarmacRuntime

/// `driver.wait(handle)` with a deadline, so a broken driver fails the test instead of hanging it.
func waitWithDeadline(_ driver: any RuntimeDriver, _ handle: RuntimeHandle, timeout: Duration) async throws -> TarmacRuntime.ExitStatus {
    try await withThrowingTaskGroup(of: TarmacRuntime.ExitStatus?.self) { group in
        group.addTask { try await driver.wait(handle) }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let status = first else {
            throw RuntimeError(.internalError, "machine \(handle.machineID) did not exit within \(timeout)")
        }
        return status
    }
}
