import Foundation
import Testing
import WholesailStore

@Suite struct CryptoTests {
    @Test("SHA-256 matches the published test vectors")
    func sha256() {
        #expect(Crypto.sha256Hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Crypto.sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var hasher = SHA256Hasher()
        hasher.update(Data("a".utf8))
        hasher.update(Data("bc".utf8))
        #expect(Crypto.hex(hasher.finalize()) == Crypto.sha256Hex(Data("abc".utf8)))
    }

    @Test("HMAC-SHA256 matches RFC 4231 case 2")
    func hmac() {
        let mac = Crypto.hmacSHA256(key: Array("Jefe".utf8), message: Data("what do ya want for nothing?".utf8))
        #expect(Crypto.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("scrypt hashes verify, reject wrong passwords and flag weak parameters")
    func passwords() {
        let hasher = PasswordHasher.fastForTests
        // A Cyrillic password longer than bcrypt's 72-byte limit: every character counts.
        let long = String(repeating: "пароль", count: 10)
        let stored = hasher.hash(long)
        #expect(stored.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(PasswordHasher.verify(long, against: stored))
        #expect(!PasswordHasher.verify(long + "x", against: stored))
        #expect(!PasswordHasher.verify(String(long.dropLast()), against: stored))
        #expect(!PasswordHasher.verify("anything", against: "garbage"))
        #expect(!PasswordHasher.verify("anything", against: "$scrypt$ln=40,r=8,p=1$AAAA$AAAA"))
        #expect(PasswordHasher.standard.needsRehash(stored))
        #expect(!hasher.needsRehash(stored))
        #expect(hasher.hash("x") != hasher.hash("x"), "salts are random")
    }
}
