package crypto;
import org.apache.commons.codec.digest.DigestUtils;
public class HashBad3 {
    public String token(String user) {
        return DigestUtils.md5Hex(user + System.nanoTime());
    }
}
