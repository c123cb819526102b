import ArgumentParser
import AssayCommands

@main
struct Entrypoint {
    static func main() async {
        await AssayCommand.main()
    }
}
