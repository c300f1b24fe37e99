package crypto;
public class RandGood2 {
    public byte[] token() throws Exception {
        byte[] b = new byte[32];
        java.security.SecureRandom.getInstanceStrong().nextBytes(b);
        return b;
    }
}
