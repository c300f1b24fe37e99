package crypto;
public class RandBad1 {
    public String sessionId() {
        java.util.Random r = new java.util.Random();
        return Long.toHexString(r.nextLong());
    }
}
