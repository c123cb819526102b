import AssayCore

/// The lines the `io` runner kind streams on the result channel (`Sandboxes/kind_io.py`).
enum IOLine: Equatable {
    case start(split: String)
    case programError(split: String, type: String, message: String)
    case result(index: Int, micros: Int, text: [UInt8])
    case raised(index: Int, micros: Int, type: String, message: String)
    case timeLimit(index: Int, micros: Int)
    case splitBudget(split: String, index: Int)
    case resume(split: String, index: Int)
    case done(split: String, count: Int)
    case end
}

/// A parsed result channel: the header's facts and the lines after it.
struct IOStream {
    var python: String
    var lines: [IOLine]
    /// Why parsing stopped early (a malformed or forged line), if it did.
    var malformed: String?

    /// Parses the raw result text. A missing header or wrong nonce gives nil (no result).
    /// A line cut short by a kill (no final newline) is dropped.
    static func parse(_ text: String?, nonce: String) -> IOStream? {
        guard let text, !text.isEmpty else { return nil }
        var bytes = Array(text.utf8)
        if bytes.last != UInt8(ascii: "\n"), let cut = bytes.lastIndex(of: UInt8(ascii: "\n")) {
            bytes.removeSubrange((cut + 1)...)
        }
        let rows = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let first = rows.first,
              let header = try? PyValue.parse(first), case .dict(let flat) = header else { return nil }
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: flat.count, by: 2) {
            if case .str(let key) = flat[index], case .str(let value) = flat[index + 1] {
                fields[String(decoding: key, as: UTF8.self)] = PyValue.decodeEscapes(value)
            }
        }
        guard fields["nonce"] == nonce, fields["kind"] == "io" else { return nil }
        var stream = IOStream(python: fields["python"] ?? "", lines: [])
        for row in rows.dropFirst() {
            guard let line = parseLine(Array(row)) else {
                stream.malformed = "unreadable result line: \(String(decoding: row.prefix(80), as: UTF8.self))"
                break
            }
            stream.lines.append(line)
        }
        return stream
    }

    static func parseLine(_ row: [UInt8]) -> IOLine? {
        let fields = row.split(separator: UInt8(ascii: "\t"), maxSplits: 4, omittingEmptySubsequences: false).map { Array($0) }
        guard let tag = fields.first, tag.count == 1 else { return nil }
        func text(_ index: Int) -> String? { index < fields.count ? String(decoding: fields[index], as: UTF8.self) : nil }
        func int(_ index: Int) -> Int? { text(index).flatMap { Int($0) } }
        func message(_ index: Int) -> String? {
            guard index < fields.count else { return nil }
            return try? RawJSON.decodeString(fields[index][...])
        }
        switch tag[0] {
        case UInt8(ascii: "S"): return fields.count == 2 ? text(1).map { .start(split: $0) } : nil
        case UInt8(ascii: "X"):
            guard fields.count == 4, let split = text(1), let type = text(2), let msg = message(3) else { return nil }
            return .programError(split: split, type: type, message: msg)
        case UInt8(ascii: "R"):
            guard fields.count >= 4, let index = int(1), let micros = int(2) else { return nil }
            // The value is the rest of the line (typed JSON holds no raw tab).
            let value = fields.count == 4 ? fields[3] : Array(fields[3...].joined(separator: [UInt8(ascii: "\t")]))
            return .result(index: index, micros: micros, text: value)
        case UInt8(ascii: "E"):
            guard fields.count == 5, let index = int(1), let micros = int(2), let type = text(3), let msg = message(4) else { return nil }
            return .raised(index: index, micros: micros, type: type, message: msg)
        case UInt8(ascii: "T"):
            guard fields.count == 3, let index = int(1), let micros = int(2) else { return nil }
            return .timeLimit(index: index, micros: micros)
        case UInt8(ascii: "W"):
            guard fields.count == 3, let split = text(1), let index = int(2) else { return nil }
            return .splitBudget(split: split, index: index)
        case UInt8(ascii: "B"):
            guard fields.count == 3, let split = text(1), let index = int(2) else { return nil }
            return .resume(split: split, index: index)
        case UInt8(ascii: "D"):
            guard fields.count == 3, let split = text(1), let count = int(2) else { return nil }
            return .done(split: split, count: count)
        case UInt8(ascii: "Z"): return fields.count == 1 ? .end : nil
        default: return nil
        }
    }
}
