package crypto;
import java.security.SecureRandom;
public class RandGood1 {
    public String sessionId() {
        SecureRandom r = new SecureRandom();
        return Long.toHexString(r.nextLong());
    }
}
