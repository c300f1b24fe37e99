package crypto;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
public class CryptoBad1 {
    public byte[] seal(SecretKey key, byte[] data) throws Exception {
        Cipher c = Cipher.getInstance("DES/CBC/PKCS5Padding");
        c.init(Cipher.ENCRYPT_MODE, key);
        return c.doFinal(data);
    }
}
