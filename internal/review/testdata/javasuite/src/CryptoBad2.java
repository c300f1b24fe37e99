package crypto;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
public class CryptoBad2 {
    private static final String MODE = "AES/ECB/PKCS5Padding";
    public byte[] seal(byte[] k, byte[] data) throws Exception {
        Cipher c = Cipher.getInstance(MODE);
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, "AES"));
        return c.doFinal(data);
    }
}
