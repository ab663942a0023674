import Testing
import TarmacModel
@testable import TarmacRuntime

@Suite struct ProcTablesTests {
    @Test func statFieldsAfterACommandWithSpacesAndParentheses() {
        let text = "4242 (we(ir)d name) S 1 4242 4242 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 1 0 123456 9000 300 18446744073709551615"
        #expect(ProcTables.stat(text) == .init(userTicks: 17, systemTicks: 5, startTicks: 123456))
        #expect(ProcTables.stat("garbage") == nil)
        #expect(ProcTables.stat("1 (x) S 1 2") == nil)
    }

    @Test func statusGivesTheInnermostPidAndResidentMemory() {
        let status = "Name:\thttpd\nNSpid:\t91234\t7\nVmRSS:\t    1532 kB\n"
        #expect(ProcTables.namespacePID(status: status) == 7)
        #expect(ProcTables.residentBytes(status: status) == 1532 * 1024)
        #expect(ProcTables.residentBytes(status: "Name:\tkthreadd\n") == 0)
        #expect(ProcTables.bootTime("cpu 1 2 3\nbtime 1764000000\nprocesses 9\n") == 1_764_000_000)
    }

    @Test func socketAddressesInBothFamilies() {
        #expect(ProcTables.address("0100007F:1F90") == "127.0.0.1:8080")
        #expect(ProcTables.address("00000000:0035") == "0.0.0.0:53")
        #expect(ProcTables.address("00000000000000000000000000000000:1F90") == "[::]:8080")
        #expect(ProcTables.address("00000000000000000000000001000000:0016") == "[::1]:22")
        #expect(ProcTables.address("B80D0120000000000000000001000000:01BB") == "[2001:db8::1]:443")
        #expect(ProcTables.address("zz:1") == nil)
    }

    @Test func onlyListeningTCPAndUnconnectedUDPSockets() {
        let tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
           1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0000000000000000 20 4 30 10 -1
        """
        let listening = ProcTables.listeningSockets(tcp, proto: "tcp")
        #expect(listening.map(\.inode) == [31337])
        #expect(listening.map(\.socket) == [.init(proto: "tcp", address: "0.0.0.0:8080")])
        let udp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
          5: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4444 2 0000000000000000 0
        """
        #expect(ProcTables.listeningSockets(udp, proto: "udp").map(\.socket.address) == ["0.0.0.0:53"])
    }

    @Test func sortingByAnyKeyEitherWayWithPidAsTieBreak() {
        func process(_ pid: Int32, cpu: Int64, command: String) -> ProcessStat {
            ProcessStat(pid: pid, stime: 0, rtime: 0, command: command, directory: "/", cpu: cpu, rss: 0, listenSockets: [])
        }
        let list = [process(3, cpu: 5, command: "b"), process(1, cpu: 9, command: "c"), process(2, cpu: 5, command: "a")]
        #expect(ProcessStat.sorted(list, by: .pid, descending: false).map(\.pid) == [1, 2, 3])
        #expect(ProcessStat.sorted(list, by: .cpu, descending: true).map(\.pid) == [1, 2, 3])
        #expect(ProcessStat.sorted(list, by: .cpu, descending: false).map(\.pid) == [2, 3, 1])
        #expect(ProcessStat.sorted(list, by: .command, descending: false).map(\.pid) == [2, 3, 1])
    }
}
