import DropflowCore
import DropflowFraudModel
import Foundation

/// Finds the fraud model file: the path given, else `models/fraud-model.json` in the working
/// directory, beside the executable, or in `/usr/share/dropflow/models` (the container image).
public enum FraudModelLocator {
    public static let fileName = "fraud-model.json"

    public static func candidates(explicit: String?) -> [String] {
        if let explicit { return [explicit] }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return [
            "models/" + fileName,
            exe.appendingPathComponent("models/" + fileName).path,
            exe.deletingLastPathComponent().appendingPathComponent("share/dropflow/models/" + fileName).path,
            "/usr/share/dropflow/models/" + fileName,
        ]
    }

    public static func load(explicit: String?) throws -> FraudModel {
        let paths = candidates(explicit: explicit)
        for path in paths where FileManager.default.fileExists(atPath: path) {
            return try FraudModel.load(path: path)
        }
        throw FraudModelError.unreadable(path: paths.joined(separator: ", "),
                                         reason: "no fraud model file; train one with `dropflow train fraud` or pass --fraud-model")
    }
}
