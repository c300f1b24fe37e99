package crypto;
import javax.crypto.*;
import javax.crypto.spec.*;
import java.security.SecureRandom;
public class CryptoGood1 {
    public byte[] seal(SecretKey key, byte[] data) throws Exception {
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
        return c.doFinal(data);
    }
}
