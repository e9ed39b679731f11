import COpenSSL
import Foundation

/// Hashing, random bytes and password hashing through OpenSSL's libcrypto.
public enum Crypto {
    /// SHA-256 of `data`, as 64 lower-case hex digits (the key of a stored blob).
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        hex(sha256(data))
    }

    public static func sha256(_ data: some DataProtocol) -> [UInt8] {
        var context = SHA256Hasher()
        context.update(data)
        return context.finalize()
    }

    /// `count` bytes from OpenSSL's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed")
        return bytes
    }

    /// A random token for URLs and cookies: `bytes` random bytes, base64url without padding.
    public static func randomToken(bytes: Int = 32) -> String {
        base64URL(randomBytes(bytes))
    }

    public static func hmacSHA256(key: [UInt8], message: some DataProtocol) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let bytes = [UInt8](message)
        _ = key.withUnsafeBufferPointer { keyBuffer in
            bytes.withUnsafeBufferPointer { messageBuffer in
                HMAC(
                    EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count), messageBuffer.baseAddress,
                    messageBuffer.count, &out, &length)
            }
        }
        return Array(out.prefix(Int(length)))
    }

    /// Compares two byte strings in time that does not depend on where they differ.
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Incremental SHA-256, for data that arrives in chunks (uploads streamed into the blob store).
public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed") }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public mutating func update(_ data: some DataProtocol) {
        for region in data.regions {
            region.withUnsafeBytes { buffer in
                _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
            }
        }
    }

    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        return out
    }
}

/// Password hashing with scrypt (memory-hard; no 72-byte truncation, unlike bcrypt).
///
/// Stored as `$scrypt$ln=17,r=8,p=1$<salt b64>$<hash b64>` so that parameters can be raised later:
/// `needsRehash` tells when a stored hash uses weaker parameters than the current ones.
public struct PasswordHasher: Sendable {
    public var logN: Int
    public var r: Int
    public var p: Int

    /// Production parameters: N = 2^17, r = 8, p = 1 (128 MiB and ~0.3 s per hash).
    public static let standard = PasswordHasher(logN: 17, r: 8, p: 1)
    /// Cheap parameters for tests only.
    public static let fastForTests = PasswordHasher(logN: 10, r: 8, p: 1)

    public init(logN: Int, r: Int, p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// Hashes a password with a fresh random salt (or the given one, for deterministic demo data).
    public func hash(_ password: String, salt: [UInt8]? = nil) -> String {
        let salt = salt ?? Crypto.randomBytes(16)
        let derived = Self.scrypt(password: Array(password.utf8), salt: salt, logN: logN, r: r, p: p)
        return "$scrypt$ln=\(logN),r=\(r),p=\(p)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Checks a password against a stored hash; false for anything malformed.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = Parsed(stored) else { return false }
        let derived = scrypt(password: Array(password.utf8), salt: parsed.salt, logN: parsed.logN, r: parsed.r, p: parsed.p)
        return Crypto.constantTimeEqual(derived, parsed.hash)
    }

    public func needsRehash(_ stored: String) -> Bool {
        guard let parsed = Parsed(stored) else { return true }
        return parsed.logN < logN || parsed.r < r || parsed.p < p
    }

    private struct Parsed {
        var logN: Int
        var r: Int
        var p: Int
        var salt: [UInt8]
        var hash: [UInt8]

        init?(_ stored: String) {
            let parts = stored.split(separator: "$", omittingEmptySubsequences: true)
            guard parts.count == 4, parts[0] == "scrypt" else { return nil }
            var values: [String: Int] = [:]
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=")
                guard kv.count == 2, let value = Int(kv[1]) else { return nil }
                values[String(kv[0])] = value
            }
            guard let logN = values["ln"], let r = values["r"], let p = values["p"], (1...22).contains(logN),
                (1...32).contains(r), (1...16).contains(p),
                let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])),
                hash.count == 32
            else { return nil }
            self.logN = logN
            self.r = r
            self.p = p
            self.salt = Array(salt)
            self.hash = Array(hash)
        }
    }

    static func scrypt(password: [UInt8], salt: [UInt8], logN: Int, r: Int, p: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let n = UInt64(1) << UInt64(logN)
        // scrypt needs 128 * N * r bytes; allow that plus slack.
        let maxMemory = UInt64(128) * n * UInt64(r) * UInt64(p) + 32 * 1024 * 1024
        let passwordChars = password.map { CChar(bitPattern: $0) } + [0]
        let ok = passwordChars.withUnsafeBufferPointer { pw in
            salt.withUnsafeBufferPointer { s in
                EVP_PBE_scrypt(pw.baseAddress, password.count, s.baseAddress, s.count, n, UInt64(r), UInt64(p), maxMemory, &out, out.count)
            }
        }
        precondition(ok == 1, "EVP_PBE_scrypt failed")
        return out
    }
}
