/// Errors about input the user gave Assay, with the place and the remedy in the message.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation?
    public var message: String
    public var hint: String?

    public init(_ message: String, at location: SourceLocation? = nil, hint: String? = nil) {
        self.message = message
        self.location = location
        self.hint = hint
    }

    public var description: String {
        var text = location.map { "\($0): \(message)" } ?? message
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}
