package store;
public class NullGood5 {
    private String find(String key) {
        if (key.startsWith("tmp")) {
            return "";
        }
        return key.toUpperCase();
    }
    public int size(String key) {
        String v = find(key);
        return v.length();
    }
}
