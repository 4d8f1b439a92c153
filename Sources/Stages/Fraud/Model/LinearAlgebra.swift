/// The little linear algebra the trainer needs.
enum LinearAlgebra {
    /// Solves `A x = b` for a symmetric positive definite `A` (row-major, `size`×`size`) by
    /// Cholesky decomposition; adds a small ridge to the diagonal if `A` is not numerically
    /// positive definite.
    static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double] {
        var ridge = 0.0
        while true {
            var l = [Double](repeating: 0, count: n * n)
            var ok = true
            outer: for i in 0..<n {
                for j in 0...i {
                    var s = a[i * n + j] + (i == j ? ridge : 0)
                    for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                    if i == j {
                        if s <= 0 { ok = false; break outer }
                        l[i * n + i] = s.squareRoot()
                    } else {
                        l[i * n + j] = s / l[j * n + j]
                    }
                }
            }
            if ok {
                var y = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    var s = b[i]
                    for k in 0..<i { s -= l[i * n + k] * y[k] }
                    y[i] = s / l[i * n + i]
                }
                var x = [Double](repeating: 0, count: n)
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var s = y[i]
                    for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
                    x[i] = s / l[i * n + i]
                }
                return x
            }
            ridge = ridge == 0 ? 1e-8 : ridge * 10
        }
    }
}
