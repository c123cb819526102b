public import ArgumentParser

public struct AssayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "assay", abstract: "Code-generation benchmark sandbox.")
    public init() {}
}
