package crypto;
import org.apache.commons.codec.digest.DigestUtils;
public class HashGood3 {
    public String token(String user) {
        return DigestUtils.sha256Hex(user);
    }
}
