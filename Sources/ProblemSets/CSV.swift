/// A CSV reader (RFC 4180): quoted fields may hold commas, newlines and `""` (an escaped quote).
///
/// Rows end at `\n` or `\r\n` outside quotes. Errors name the 1-based line where the bad row
/// starts, so a user can find it in an editor.
public enum CSV {
    public struct Row: Sendable, Equatable {
        /// 1-based line of the file where the row starts.
        public var line: Int
        public var fields: [String]
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses the whole text. A trailing newline does not start an empty row.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> [Row] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var rows: [Row] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var rowStart = 1
        var index = 0
        var inQuotes = false
        var fieldWasQuoted = false
        let count = bytes.count
        // Skip a UTF-8 byte order mark.
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }

        func finishField() throws(ParseError) {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw ParseError(line: rowStart, message: "invalid UTF-8 in field \(fields.count + 1)")
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }

        while index < count {
            let byte = bytes[index]
            if inQuotes {
                if byte == quote {
                    if index + 1 < count, bytes[index + 1] == quote {
                        field.append(quote)
                        index += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if byte == newline { line += 1 }
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case quote:
                guard field.isEmpty, !fieldWasQuoted else {
                    throw ParseError(line: line, message: "a quote inside an unquoted field (field \(fields.count + 1))")
                }
                inQuotes = true
                fieldWasQuoted = true
            case comma:
                try finishField()
            case cr where index + 1 < count && bytes[index + 1] == newline:
                break  // the \n that follows ends the row
            case newline:
                try finishField()
                rows.append(Row(line: rowStart, fields: fields))
                fields = []
                line += 1
                rowStart = line
            default:
                if fieldWasQuoted {
                    throw ParseError(line: line, message: "text after a closing quote (field \(fields.count + 1))")
                }
                field.append(byte)
            }
            index += 1
        }
        if inQuotes { throw ParseError(line: rowStart, message: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted {
            try finishField()
            rows.append(Row(line: rowStart, fields: fields))
        }
        return rows
    }
}
