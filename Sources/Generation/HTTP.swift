public import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#else
import Foundation
#endif

/// One HTTP answer: status, lower-cased headers and the body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request that never produced an HTTP answer: refused, reset, timed out, unreadable.
public struct ConnectionFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Nothing listens at the address (connection refused, unknown host).
    public var unreachable: Bool
    public var timedOut: Bool

    public var description: String { message }
}

/// HTTP: `http://` over a plain socket (``PlainHTTPExchange``), `https://` over URLSession
/// (FoundationNetworking on Linux; libcurl underneath). Both off the cooperative pool.
public final class HTTPClient: Sendable {
    private let session: URLSession

    public init(maxConnections: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, maxConnections)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.timeoutIntervalForRequest = 3600
        configuration.timeoutIntervalForResource = 3600
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    /// Sends one request. `timeout` bounds the whole exchange, connection included.
    public func send(
        method: String, url: URL, headers: [String: String], body: Data?, timeout: Double
    ) async throws -> HTTPResponse {
        if url.scheme?.lowercased() == "http" {
            return try await sendPlain(method: method, url: url, headers: headers, body: body, timeout: timeout)
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        // One connection per request. On Linux, libcurl silently re-sends a request whose reused
        // keep-alive connection died before answering, and FoundationNetworking does not rewind the
        // body for it: the server then waits for a body that never comes (seen with a dropped
        // connection: a 60 s hang). A fresh connection turns that case into a plain, retried error.
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.httpBody = body
        // The completion-handler API under our own timer and cancellation handler: the async
        // `data(for:)` of FoundationNetworking can lose its continuation when the task is cancelled
        // (seen: a run stopped by a fatal error hung forever on requests the group cancelled).
        let exchange = Exchange()
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                if let urlError = error as? URLError {
                    exchange.finish(.failure(Self.failure(urlError, url: url, timeout: timeout)))
                } else {
                    exchange.finish(.failure(ConnectionFailure(message: "request to \(url.absoluteString) failed: \(error)",
                                                               unreachable: false, timedOut: false)))
                }
                return
            }
            guard let http = response as? HTTPURLResponse else {
                exchange.finish(.failure(ConnectionFailure(message: "not an HTTP response from \(url.absoluteString)",
                                                           unreachable: false, timedOut: false)))
                return
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            exchange.finish(.success(HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data())))
        }
        let handle = TaskHandle(task)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard exchange.start(continuation) else { return }
                handle.task.resume()
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout + 0.5) {
                    exchange.finish(.failure(ConnectionFailure(
                        message: "no answer from \(url.absoluteString) within \(Self.seconds(timeout))", unreachable: false, timedOut: true)))
                    handle.task.cancel()
                }
            }
        } onCancel: {
            exchange.finish(.failure(CancellationError()))
            handle.task.cancel()
        }
    }

    /// `http://`: a plain socket exchange on a thread of its own (see ``PlainHTTPExchange``), under
    /// the same backstop timer and cancellation as the URLSession path.
    private func sendPlain(method: String, url: URL, headers: [String: String], body: Data?, timeout: Double) async throws -> HTTPResponse {
        let exchange = Exchange()
        let plain = PlainHTTPExchange(method: method, url: url, headers: headers, body: body, timeout: timeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard exchange.start(continuation) else { return }
                plain.start { result in
                    exchange.finish(result.mapError { error in
                        if let malformed = error as? HTTPResponseParser.Malformed {
                            return ConnectionFailure(message: "unreadable HTTP answer from \(url.absoluteString): \(malformed)",
                                                     unreachable: false, timedOut: false)
                        }
                        return error
                    })
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout + 0.5) {
                    exchange.finish(.failure(ConnectionFailure(
                        message: "no answer from \(url.absoluteString) within \(Self.seconds(timeout))", unreachable: false, timedOut: true)))
                    plain.stop()
                }
            }
        } onCancel: {
            exchange.finish(.failure(CancellationError()))
            plain.stop()
        }
    }

    static func failure(_ error: URLError, url: URL, timeout: Double) -> ConnectionFailure {
        let host = "\(url.scheme ?? "http")://\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? "")"
        switch error.code {
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed:
            return ConnectionFailure(message: "cannot connect to \(host) (\(error.localizedDescription))", unreachable: true, timedOut: false)
        case .timedOut:
            return ConnectionFailure(message: "no answer from \(url.absoluteString) within \(seconds(timeout))", unreachable: false, timedOut: true)
        case .networkConnectionLost:
            return ConnectionFailure(message: "\(host) dropped the connection", unreachable: false, timedOut: false)
        default:
            return ConnectionFailure(message: "request to \(url.absoluteString) failed: \(error.localizedDescription) (URLError \(error.code.rawValue))",
                                     unreachable: false, timedOut: false)
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// A URLSession task handed to timers and cancellation handlers (thread-safe in practice; not
/// declared Sendable by FoundationNetworking).
private final class TaskHandle: @unchecked Sendable {
    let task: URLSessionDataTask
    init(_ task: URLSessionDataTask) { self.task = task }
}

/// One exchange's continuation, resumed exactly once: by the answer, the timer or cancellation,
/// whichever comes first.
private final class Exchange: Sendable {
    private struct State {
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
        /// The result that arrived before the continuation was installed (cancelled early).
        var early: Result<HTTPResponse, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    /// Installs the continuation; false when the exchange already finished (it was resumed here).
    func start(_ continuation: CheckedContinuation<HTTPResponse, any Error>) -> Bool {
        let early = state.withLock { state -> Result<HTTPResponse, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early {
            continuation.resume(with: early)
            return false
        }
        return true
    }

    func finish(_ result: Result<HTTPResponse, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<HTTPResponse, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            if state.continuation == nil { state.early = result }
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
