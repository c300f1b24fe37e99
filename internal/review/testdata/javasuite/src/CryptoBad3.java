package crypto;
import javax.crypto.*;
import javax.crypto.spec.*;
public class CryptoBad3 {
    public byte[] seal(SecretKey key, byte[] data) throws Exception {
        byte[] iv = new byte[16];
        Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
        c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
        return c.doFinal(data);
    }
}
