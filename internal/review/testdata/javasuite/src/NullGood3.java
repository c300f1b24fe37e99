package store;
public class NullGood3 {
    public String home() {
        String dir = System.getProperty("app.home", "/opt/app");
        return dir.trim() + "/conf";
    }
}
