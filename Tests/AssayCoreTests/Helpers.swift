import AssayCore
import FoundationEssentials

enum JSONDecoderLike {
    static func decode(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
