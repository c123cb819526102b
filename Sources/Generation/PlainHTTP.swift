import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange over a plain TCP socket, for `http://` model servers (vLLM, llama.cpp,
/// Ollama, SGLang on a local or cluster address).
///
/// Why not URLSession for these: FoundationNetworking drives libcurl's sockets with dispatch
/// sources that it does not wait to cancel before libcurl closes the socket
/// (swift-corelibs-foundation #4791). With one connection per request, socket numbers are reused
/// all the time, and now and then a request's new socket inherits a stale source: the dispatch
/// manager thread spins on it and the request is never sent, until the exchange's own timer
/// fires (seen here: an `assay repair` test stalled for the whole 300 s request timeout). This
/// path has no event loop: one thread per exchange, `poll` with the exchange's deadline, the
/// socket closed by that thread only. `https://` (OpenAI, Anthropic) stays on URLSession, which
/// brings TLS.
///
/// The request carries `Connection: close` and no `Accept-Encoding`, so the answer is identity-
/// encoded and ends with the connection; `Content-Length` and chunked bodies are both read.
final class PlainHTTPExchange: Sendable {
    /// Largest answer read (headers and body); a larger one is a failed exchange.
    static let maxResponseBytes = 64 << 20

    private struct State {
        var fd: Int32 = -1
        var stopped = false
    }

    private let state = Mutex(State())
    private let url: URL
    private let method: String
    private let headers: [String: String]
    private let body: Data?
    private let timeout: Double

    init(method: String, url: URL, headers: [String: String], body: Data?, timeout: Double) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// Runs the exchange on a thread of its own and hands the result to `done`.
    func start(_ done: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        let thread = Thread { [self] in done(Result { try self.run() }) }
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Stops the exchange from another thread: its blocked `poll` returns at once.
    func stop() {
        state.withLock { state in
            state.stopped = true
            if state.fd >= 0 { shutdown(state.fd, Int32(SHUT_RDWR)) }
        }
    }

    private var hostLabel: String { "http://\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? "")" }

    private func failure(_ message: String, unreachable: Bool = false, timedOut: Bool = false) -> ConnectionFailure {
        ConnectionFailure(message: message, unreachable: unreachable, timedOut: timedOut)
    }

    private func run() throws -> HTTPResponse {
        let deadline = ContinuousClock.now + .milliseconds(Int64((timeout * 1000).rounded()))
        let fd = try connect(deadline: deadline)
        defer {
            state.withLock { $0.fd = -1 }
            close(fd)
        }
        try send(request(), on: fd, deadline: deadline)
        return try receive(on: fd, deadline: deadline)
    }

    private func request() -> [UInt8] {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? url.path
        var target = path.isEmpty ? "/" : path
        if let query = components?.percentEncodedQuery { target += "?" + query }
        var host = url.host ?? "localhost"
        if host.contains(":") { host = "[\(host)]" }
        if let port = url.port { host += ":\(port)" }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for (name, value) in headers where !["host", "connection", "content-length"].contains(name.lowercased()) {
            head += "\(name): \(value)\r\n"
        }
        if let body { head += "Content-Length: \(body.count)\r\n" } else if method != "GET" { head += "Content-Length: 0\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (body.map { Array($0) } ?? [])
    }

    /// Milliseconds left before the deadline for `poll`, or a timeout failure.
    private func remaining(_ deadline: ContinuousClock.Instant) throws -> Int32 {
        let left = deadline - ContinuousClock.now
        let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        guard ms > 0 else {
            throw failure("no answer from \(url.absoluteString) within \(HTTPClient.seconds(timeout))", timedOut: true)
        }
        return Int32(min(ms, Int64(Int32.max)))
    }

    /// Waits until `fd` is ready for `events`; throws on the deadline or when stopped.
    private func wait(_ fd: Int32, for events: Int16, deadline: ContinuousClock.Instant) throws {
        while true {
            if state.withLock({ $0.stopped }) { throw CancellationError() }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, try remaining(deadline))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw failure("poll failed on \(hostLabel): \(String(cString: strerror(errno)))") }
        }
    }

    private func connect(deadline: ContinuousClock.Instant) throws -> Int32 {
        guard let host = url.host else { throw failure("no host in \(url.absoluteString)", unreachable: true) }
        let port = url.port ?? 80
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw failure("cannot connect to \(hostLabel) (unknown host: \(String(cString: gai_strerror(status))))", unreachable: true)
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let address = node {
            node = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                lastError = errno
                continue
            }
            let stopped = state.withLock { state -> Bool in
                if !state.stopped { state.fd = fd }
                return state.stopped
            }
            if stopped {
                close(fd)
                throw CancellationError()
            }
            var error: Int32 = 0
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) < 0 {
                error = errno
                if error == EINPROGRESS {
                    do {
                        try wait(fd, for: Int16(POLLOUT), deadline: deadline)
                    } catch {
                        state.withLock { $0.fd = -1 }
                        close(fd)
                        throw error
                    }
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    error = 0
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                }
            }
            if error == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            lastError = error
            state.withLock { $0.fd = -1 }
            close(fd)
        }
        throw failure("cannot connect to \(hostLabel) (\(String(cString: strerror(lastError))))", unreachable: true)
    }

    private func send(_ bytes: [UInt8], on fd: Int32, deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(fd, for: Int16(POLLOUT), deadline: deadline)
            } else if sent < 0 && errno == EINTR {
                continue
            } else {
                if state.withLock({ $0.stopped }) { throw CancellationError() }
                throw failure("\(hostLabel) dropped the connection")
            }
        }
    }

    private func receive(on fd: Int32, deadline: ContinuousClock.Instant) throws -> HTTPResponse {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var parser = HTTPResponseParser()
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                guard buffer.count <= Self.maxResponseBytes else {
                    throw failure("answer from \(url.absoluteString) is larger than \(Self.maxResponseBytes >> 20) MiB")
                }
                if let response = try parser.parse(buffer, atEnd: false) { return response }
            } else if count == 0 {
                if state.withLock({ $0.stopped }) { throw CancellationError() }
                if let response = try parser.parse(buffer, atEnd: true) { return response }
                throw failure("\(hostLabel) dropped the connection")
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(fd, for: Int16(POLLIN), deadline: deadline)
            } else if errno != EINTR {
                if state.withLock({ $0.stopped }) { throw CancellationError() }
                throw failure("\(hostLabel) dropped the connection (\(String(cString: strerror(errno))))")
            }
        }
    }
}

/// Reads an HTTP/1.1 answer from the bytes received so far: nil until it is complete.
struct HTTPResponseParser {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// Below this many bytes the answer cannot be complete (known once its length is read).
    private var minimumBytes = 0

    /// Parses `bytes` (everything received); `atEnd` when the peer closed the connection, which
    /// completes a body that has neither a length nor chunks.
    mutating func parse(_ bytes: [UInt8], atEnd: Bool) throws -> HTTPResponse? {
        if !atEnd && bytes.count < minimumBytes { return nil }
        var start = 0
        while true {
            guard let headEnd = Self.find([13, 10, 13, 10], in: bytes, from: start) else {
                if atEnd { throw Malformed(description: "the server closed the connection before the end of the HTTP headers") }
                return nil
            }
            let head = String(decoding: bytes[start..<headEnd], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...999).contains(status) else {
                throw Malformed(description: "not an HTTP answer (first line: \(statusLine.prefix(80)))")
            }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            }
            let bodyStart = headEnd + 4
            if (100...199).contains(status) {  // interim answer (100 Continue): the real one follows
                start = bodyStart
                continue
            }
            if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                // A chunked body ends with an empty line: no need to decode before one arrives.
                if !atEnd && !bytes.suffix(4).elementsEqual([13, 10, 13, 10]) { return nil }
                guard let body = try Self.dechunk(bytes, from: bodyStart) else {
                    if atEnd { throw Malformed(description: "the server closed the connection inside a chunked body") }
                    return nil
                }
                return HTTPResponse(status: status, headers: headers, body: Data(body))
            }
            if let lengthText = headers["content-length"] {
                guard let length = Int(lengthText), length >= 0 else {
                    throw Malformed(description: "invalid Content-Length '\(lengthText.prefix(40))'")
                }
                guard bytes.count - bodyStart >= length else {
                    minimumBytes = bodyStart + length
                    if atEnd { throw Malformed(description: "the server closed the connection after \(bytes.count - bodyStart) of \(length) body bytes") }
                    return nil
                }
                return HTTPResponse(status: status, headers: headers, body: Data(bytes[bodyStart..<(bodyStart + length)]))
            }
            if status == 204 || status == 304 { return HTTPResponse(status: status, headers: headers, body: Data()) }
            guard atEnd else { return nil }
            return HTTPResponse(status: status, headers: headers, body: Data(bytes[bodyStart...]))
        }
    }

    /// The body of a complete chunked encoding starting at `from`, nil while incomplete.
    static func dechunk(_ bytes: [UInt8], from: Int) throws -> [UInt8]? {
        var body: [UInt8] = []
        var position = from
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: position) else { return nil }
            let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self)
                .split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw Malformed(description: "invalid chunk size '\(sizeText.prefix(20))'")
            }
            position = lineEnd + 2
            if size == 0 {
                // Trailers (usually none) end with an empty line.
                return find([13, 10, 13, 10], in: bytes, from: position - 2) == nil ? nil : body
            }
            guard bytes.count >= position + size + 2 else { return nil }
            body.append(contentsOf: bytes[position..<(position + size)])
            position += size + 2
        }
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard bytes.count >= needle.count, from <= bytes.count - needle.count else { return nil }
        var index = from
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
