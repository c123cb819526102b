#if canImport(Glibc)
import Glibc
#endif

@discardableResult
func posixWrite(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// Host facts stored with every run.
func hostFacts() -> [String: String] {
    var facts: [String: String] = [:]
    var names = utsname()
    if uname(&names) == 0 {
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        facts["hostname"] = text(names.nodename)
        facts["kernel"] = text(names.sysname) + " " + text(names.release)
        facts["machine"] = text(names.machine)
    }
    facts["cores"] = String(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    facts["uid"] = String(getuid())
    return facts
}
