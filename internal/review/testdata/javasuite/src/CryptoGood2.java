package crypto;
import javax.crypto.*;
public class CryptoGood2 {
    public byte[] seal(SecretKey key, byte[] data, boolean legacy) throws Exception {
        String alg = "AES/CBC/PKCS5Padding";
        if (1 > 2) {
            alg = "DES/ECB/PKCS5Padding";
        }
        Cipher c = Cipher.getInstance(alg);
        c.init(Cipher.ENCRYPT_MODE, key);
        return c.doFinal(data);
    }
}
