extension Problem {
    /// BigCodeBench `libs`, parsed (empty for other formats).
    public var libraries: [String] {
        extras["libs"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// A string field kept in ``extras`` (BigCodeBench `code_prompt`, `complete_prompt`, …).
    public func extra(_ key: String) -> String? {
        extras[key]?.stringValue
    }
}
