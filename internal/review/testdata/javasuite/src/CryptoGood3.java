package crypto;
import javax.crypto.*;
public class CryptoGood3 {
    public SecretKey newKey() throws Exception {
        KeyGenerator g = KeyGenerator.getInstance("AES");
        g.init(256);
        return g.generateKey();
    }
}
