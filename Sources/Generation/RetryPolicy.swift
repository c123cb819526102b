public import Foundation

/// When and how long to wait before sending a request again.
///
/// Retried: connection errors, timeouts, unreadable answers, 408, 409, 429 (not
/// `insufficient_quota`), 5xx and 529. The server's `x-should-retry` wins when present. The delay
/// is `retry-after-ms`, else `retry-after` (seconds or an HTTP date) when at most
/// ``maxServerDelay``, else `min(initialDelay · 2^(attempt-1), maxDelay)` minus up to 25 % jitter —
/// the official SDKs' policy with more attempts, under a total deadline.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var initialDelay: Double
    public var maxDelay: Double
    /// Longest server-requested delay that is honoured; longer ones fall back to backoff.
    public var maxServerDelay: Double
    /// Bound on one HTTP exchange, in seconds.
    public var requestTimeout: Double
    /// Bound on all attempts of one request together, in seconds.
    public var deadline: Double

    public init(
        maxAttempts: Int = 8, initialDelay: Double = 0.5, maxDelay: Double = 8, maxServerDelay: Double = 60,
        requestTimeout: Double = 300, deadline: Double = 900
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxServerDelay = maxServerDelay
        self.requestTimeout = requestTimeout
        self.deadline = deadline
    }

    /// Statuses worth another attempt.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || status == 529 || (500...599).contains(status)
    }

    /// The wait before attempt `attempt + 1`, given the failed attempt's headers (lower-cased)
    /// and a uniform random number in [0, 1) for the jitter.
    public func delay(afterAttempt attempt: Int, headers: [String: String], now: Date = Date(), random: Double) -> Double {
        if let server = Self.serverDelay(headers: headers, now: now), server >= 0, server <= maxServerDelay {
            return server
        }
        let exponent = Double(max(0, attempt - 1))
        let base = min(initialDelay * pow2(exponent), maxDelay)
        return base * (1 - 0.25 * min(max(random, 0), 1))
    }

    /// `retry-after-ms`, else `retry-after` as seconds or an HTTP date; nil when absent or unreadable.
    public static func serverDelay(headers: [String: String], now: Date) -> Double? {
        if let text = headers["retry-after-ms"], let ms = Double(text.trimmingCharacters(in: .whitespaces)) {
            return ms / 1000
        }
        guard let text = headers["retry-after"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(text) { return seconds }
        if let date = httpDate(text) { return max(0, date.timeIntervalSince(now)) }
        return nil
    }

    /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm), then seconds since 1970.
        let m = monthIndex + 1
        let y = m <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + time[0] * 3600 + time[1] * 60 + time[2]
        return Date(timeIntervalSince1970: Double(seconds))
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        var remaining = Int(exponent)
        while remaining > 0 && value < 1e9 { value *= 2; remaining -= 1 }
        return value
    }
}
