package crypto;
import java.security.MessageDigest;
public class HashBad1 {
    public byte[] fingerprint(String password) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        return md.digest(password.getBytes("UTF-8"));
    }
}
