#if canImport(Glibc)
import Glibc
#endif
public import AssayCore
import Synchronization

/// A progress bar with rate and ETA on stderr when it is a terminal; on a pipe or file, a plain
/// line every 10 %.
public final class TerminalProgress: ProgressReporting, Sendable {
    private struct State {
        var total = 0
        var done = 0
        var startDone = 0
        var label = ""
        var started = 0.0
        var lastDraw = 0.0
        var lastDecile = -1
    }

    private let state = Mutex(State())
    private let isTerminal: Bool
    private let enabled: Bool

    public init(enabled: Bool = true) {
        self.enabled = enabled
        isTerminal = isatty(2) == 1
    }

    public func start(total: Int, done: Int, label: String) {
        state.withLock {
            $0 = State(total: total, done: done, startDone: done, label: label, started: Self.now())
        }
        draw(force: true)
    }

    public func advance(by count: Int) {
        state.withLock { $0.done += count }
        draw(force: false)
    }

    public func finish() {
        draw(force: true)
        if enabled && isTerminal { write("\n") }
    }

    private func draw(force: Bool) {
        guard enabled else { return }
        let now = Self.now()
        let text: String? = state.withLock { state in
            guard state.total > 0 else { return nil }
            let fraction = Double(state.done) / Double(state.total)
            if isTerminal {
                guard force || now - state.lastDraw >= 0.1 else { return nil }
                state.lastDraw = now
            } else {
                let decile = Int(fraction * 10)
                guard decile != state.lastDecile else { return nil }
                state.lastDecile = decile
            }
            let elapsed = now - state.started
            let doneHere = state.done - state.startDone
            let rate = elapsed > 0 ? Double(doneHere) / elapsed : 0
            let remaining = rate > 0 ? Double(state.total - state.done) / rate : .nan
            let width = 28
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let eta = remaining.isFinite ? "ETA \(Self.duration(remaining))" : "ETA --"
            let line = "\(state.label) \(bar) \(state.done)/\(state.total) \(Int(fraction * 100))% \(Int(rate.rounded()))/s \(eta)"
            return isTerminal ? "\r\u{1B}[2K" + line : line + "\n"
        }
        if let text { write(text) }
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
