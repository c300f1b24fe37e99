package store;
public class NullBad5 {
    private String find(String key) {
        if (key.startsWith("tmp")) {
            return null;
        }
        return key.toUpperCase();
    }
    public int size(String key) {
        String v = find(key);
        return v.length();
    }
}
