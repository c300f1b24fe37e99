package crypto;
import java.security.MessageDigest;
public class HashGood1 {
    public byte[] fingerprint(String password) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        return md.digest(password.getBytes("UTF-8"));
    }
}
