import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `lsetxattr`/`lgetxattr` looked up in the C library at run time: Swift's Glibc module
/// does not include `<sys/xattr.h>`, and this target has no C shim of its own.
enum ExtendedAttributeCalls {
    typealias Setter = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    typealias Getter = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int

    static var lsetxattr: Setter? { symbol("lsetxattr", as: Setter.self) }
    static var lgetxattr: Getter? { symbol("lgetxattr", as: Getter.self) }

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }
}
