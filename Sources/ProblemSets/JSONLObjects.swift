public import AssayCore
import FoundationEssentials

/// One decoded JSON Lines object with its location, or the reason it could not be decoded.
public struct JSONLObject: Sendable {
    public var location: SourceLocation
    public var fields: [String: JSONValue]
}

/// A problem found in an input file: where it is and what is wrong.
public struct InputIssue: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

extension JSONLObject {
    /// The string fields `keys` of a problem; a missing or non-string field refuses the file,
    /// naming this line and what a `kind` problem needs.
    func requiredStrings(_ keys: [String], kind: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for key in keys {
            guard let value = fields[key] else {
                throw InputError("missing field '\(key)'", at: location, hint: "a \(kind) problem needs \(keys.joined(separator: ", "))")
            }
            guard case .string(let text) = value else {
                throw InputError("field '\(key)' must be a string", at: location)
            }
            values[key] = text
        }
        return values
    }
}

enum JSONLReader {
    /// A problem file's objects. Problem files are the benchmark's definition, so the first bad
    /// line refuses the whole file.
    static func problemObjects(path: String) throws -> [JSONLObject] {
        let (objects, issues) = objects(path: path, bytes: try FileBytes.read(path))
        if let issue = issues.first {
            throw InputError(issue.message, at: issue.location,
                             hint: "problem files must be valid JSON Lines; fix or re-download the file")
        }
        return objects
    }

    /// Decodes every line of a JSON Lines file into objects, collecting per-line issues instead
    /// of stopping at the first bad line.
    static func objects(path: String, bytes: [UInt8]) -> (objects: [JSONLObject], issues: [InputIssue]) {
        let decoder = JSONDecoder()
        var objects: [JSONLObject] = []
        var issues: [InputIssue] = []
        for line in JSONLines.split(bytes) {
            let location = SourceLocation(file: path, line: line.number)
            guard String(validating: line.bytes, as: UTF8.self) != nil else {
                issues.append(InputIssue(location: location, message: "invalid UTF-8"))
                continue
            }
            do {
                let value = try decoder.decode(JSONValue.self, from: Data(line.bytes))
                guard case .object(let fields) = value else {
                    issues.append(InputIssue(location: location, message: "expected a JSON object, found \(kindName(value))"))
                    continue
                }
                objects.append(JSONLObject(location: location, fields: fields))
            } catch {
                issues.append(InputIssue(location: location, message: "malformed JSON (\(shortReason(error)))"))
            }
        }
        return (objects, issues)
    }

    static func kindName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func shortReason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context):
                let underlying = (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
                return String(underlying.prefix(160))
            default:
                return String("\(decoding)".prefix(160))
            }
        }
        return String("\(error)".prefix(160))
    }
}
