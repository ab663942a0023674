// tarmac-shim: the per-container supervisor the container driver starts (see `Shim`). Not
// meant to be run by hand: it takes its configuration and commands from the driver over the
// socket on fd 3 (`--control-fd N` names another descriptor). Glibc only, linked statically,
// so launching one costs about as much as launching /bin/true.
#if canImport(Glibc)
import Glibc
#endif
import TarmacShimCore

var control = Shim.controlDescriptor
let arguments = CommandLine.arguments.dropFirst()
if let index = arguments.firstIndex(of: "--control-fd") {
    guard arguments.index(after: index) < arguments.endIndex, let fd = Int32(arguments[arguments.index(after: index)]), fd >= 0 else {
        let usage = Array("usage: tarmac-shim [--control-fd N]\n".utf8)
        _ = usage.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
    control = fd
}
exit(Shim(controlDescriptor: control).run())
