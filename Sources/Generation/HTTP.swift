public import Foundation
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

/// HTTP over URLSession (FoundationNetworking on Linux; libcurl underneath, off the cooperative pool).
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
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        // One connection per request. On Linux, libcurl silently re-sends a request whose reused
        // keep-alive connection died before answering, and FoundationNetworking does not rewind the
        // body for it: the server then waits for a body that never comes (seen with a dropped
        // connection: a 60 s hang). A fresh connection turns that case into a plain, retried error.
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.httpBody = body
        let session = session
        let sendable = SendableRequest(request: request)
        return try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
            group.addTask {
                do {
                    let (data, response) = try await session.data(for: sendable.request)
                    guard let http = response as? HTTPURLResponse else {
                        throw ConnectionFailure(message: "not an HTTP response from \(url.absoluteString)", unreachable: false, timedOut: false)
                    }
                    var headers: [String: String] = [:]
                    for (name, value) in http.allHeaderFields {
                        if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                    }
                    return HTTPResponse(status: http.statusCode, headers: headers, body: data)
                } catch let error as URLError {
                    throw Self.failure(error, url: url, timeout: timeout)
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout + 0.5))
                throw ConnectionFailure(
                    message: "no answer from \(url.absoluteString) within \(Self.seconds(timeout))", unreachable: false, timedOut: true)
            }
            defer { group.cancelAll() }
            return try await group.next()!
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

/// URLRequest is a value type but not declared Sendable on every platform.
private struct SendableRequest: @unchecked Sendable {
    let request: URLRequest
}
