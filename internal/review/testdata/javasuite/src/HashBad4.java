package crypto;
import java.security.MessageDigest;
import java.util.Properties;
public class HashBad4 {
    public byte[] fingerprint(byte[] data) throws Exception {
        Properties props = new Properties();
        props.load(getClass().getClassLoader().getResourceAsStream("app.properties"));
        String alg = props.getProperty("digest.legacy", "SHA-512");
        return MessageDigest.getInstance(alg).digest(data);
    }
}
