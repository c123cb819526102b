// AssayCore
