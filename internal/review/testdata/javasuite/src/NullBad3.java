package store;
public class NullBad3 {
    public String home() {
        String dir = System.getProperty("app.home");
        return dir.trim() + "/conf";
    }
}
