/// Splits JSON Lines text into numbered lines without decoding it.
///
/// Blank lines (including the one after the final newline) are skipped but still counted, so
/// line numbers match what an editor shows. A trailing `\r` is dropped (files written on Windows).
public enum JSONLines {
    public struct Line: Sendable {
        /// 1-based line number in the file.
        public var number: Int
        public var bytes: ArraySlice<UInt8>
    }

    public static func split(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        var number = 1
        let newline = UInt8(ascii: "\n")
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0D]
        var index = 0
        let count = bytes.count
        bytes.withUnsafeBufferPointer { buffer in
            while index <= count {
                if index == count || buffer[index] == newline {
                    var end = index
                    if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                    var blank = true
                    var i = start
                    while i < end {
                        if !whitespace.contains(buffer[i]) { blank = false; break }
                        i += 1
                    }
                    if !blank { lines.append(Line(number: number, bytes: bytes[start..<end])) }
                    number += 1
                    start = index + 1
                }
                index += 1
            }
        }
        return lines
    }
}
