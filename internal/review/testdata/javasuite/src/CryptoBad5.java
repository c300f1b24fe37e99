package crypto;
import javax.crypto.Cipher;
import java.util.Properties;
public class CryptoBad5 {
    public Cipher cipher() throws Exception {
        Properties props = new Properties();
        try (java.io.InputStream in = new java.io.FileInputStream("conf/app.properties")) {
            props.load(in);
        }
        return Cipher.getInstance(props.getProperty("cipher.legacy", "AES/GCM/NoPadding"));
    }
}
