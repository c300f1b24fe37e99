package crypto;
import javax.crypto.*;
public class CryptoBad4 {
    public SecretKey newKey() throws Exception {
        KeyGenerator g = KeyGenerator.getInstance("DESede");
        return g.generateKey();
    }
}
