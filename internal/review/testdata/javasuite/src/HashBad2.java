package crypto;
public class HashBad2 {
    static String algorithm() { return "SHA-1"; }
    public byte[] fingerprint(byte[] data) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance(algorithm());
        md.update(data);
        return md.digest();
    }
}
