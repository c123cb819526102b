import AssayCore
import CZlib
import FoundationEssentials

/// Reads whole files, transparently decompressing gzip (`.gz` or gzip magic bytes).
public enum FileBytes {
    /// The decompressed bytes of the file at `path`.
    ///
    /// - Throws: ``InputError`` naming the file when it cannot be read or is corrupt.
    public static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError("no such file: \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("cannot read \(path)", hint: "check the file's permissions")
        }
        let bytes = [UInt8](data)
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B {
            return try gunzip(bytes, path: path)
        }
        return bytes
    }

    /// SHA-256 of the file's bytes as stored (compressed files hash their compressed form).
    public static func sha256(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path)") }
        return SHA256.hex(of: data)
    }

    static func gunzip(_ input: [UInt8], path: String) throws -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError("cannot initialise zlib to read \(path)")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = uInt(inBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return outBuffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END, stream.avail_in > 0 {
                    // Concatenated gzip members: keep going.
                    inflateReset(&stream)
                    status = Z_OK
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw InputError("corrupt gzip data in \(path) (zlib status \(status))", hint: "download the file again")
                }
                if status == Z_BUF_ERROR, stream.avail_in == 0 {
                    throw InputError("truncated gzip file: \(path)", hint: "download the file again")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
